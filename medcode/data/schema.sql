-- One store per fiscal year. Read-only after the build.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values

-- ICD-10-CM Tabular List: chapters, blocks, categories, subcategories, codes (with 7th characters).
CREATE TABLE cm_node (id TEXT PRIMARY KEY, kind TEXT, title TEXT, parent TEXT, depth INT,
                      billable INT, chapter TEXT, seq INT);
CREATE INDEX cm_node_parent ON cm_node (parent, seq);
CREATE TABLE cm_note (node TEXT, kind TEXT, text TEXT, refs TEXT, seq INT);
CREATE INDEX cm_note_node ON cm_note (node);
CREATE TABLE cm_seventh (node TEXT, char TEXT, meaning TEXT);
CREATE INDEX cm_seventh_node ON cm_seventh (node);

-- Alphabetic Index, External Cause Index, Table of Drugs and Chemicals, Neoplasm Table.
CREATE TABLE cm_term (id INTEGER PRIMARY KEY, book TEXT, parent INT, level INT, title TEXT, nemod TEXT,
                      see TEXT, see_also TEXT, code TEXT, manif TEXT, trail TEXT, valid INT);
CREATE INDEX cm_term_parent ON cm_term (parent);
CREATE INDEX cm_term_trail ON cm_term (book, trail COLLATE NOCASE);
CREATE INDEX cm_term_code ON cm_term (code);
CREATE TABLE cm_cell (term INT, col INT, code TEXT, valid INT);
CREATE INDEX cm_cell_term ON cm_cell (term);
CREATE TABLE cm_heading (book TEXT, col INT, heading TEXT);

-- ICD-10-PCS tables, definitions, valid codes, index.
CREATE TABLE pcs_axis (tbl TEXT, row INT, pos INT, value TEXT, label TEXT, axis TEXT);  -- row 0 = table head
CREATE INDEX pcs_axis_tbl ON pcs_axis (tbl, row, pos);
CREATE TABLE pcs_code (code TEXT PRIMARY KEY, title TEXT, tbl TEXT, row INT);
CREATE TABLE pcs_definition (section TEXT, pos INT, term TEXT, definition TEXT, explanation TEXT, includes TEXT);
CREATE INDEX pcs_definition_term ON pcs_definition (section, pos, term);
CREATE TABLE pcs_term (id INTEGER PRIMARY KEY, parent INT, level INT, title TEXT, see TEXT, use TEXT, codes TEXT);

-- HCPCS Level II, CPT (kit wording or licensed file), NCCI MUE.
CREATE TABLE hcpcs (code TEXT PRIMARY KEY, kind TEXT, long TEXT, short TEXT, added TEXT, effective TEXT,
                    terminated TEXT, action TEXT);
CREATE TABLE cpt (code TEXT PRIMARY KEY, description TEXT, section TEXT, notes TEXT, source TEXT);
CREATE TABLE mue (code TEXT PRIMARY KEY, units INT, indicator TEXT, rationale TEXT);
CREATE TABLE drg_weight (drg INT PRIMARY KEY, weight REAL, gmlos REAL, amlos REAL);  -- IPPS Table 5

-- Search: one row per searchable text, and its full-text index (porter stemming).
CREATE TABLE synonym (phrase TEXT PRIMARY KEY, means TEXT);
CREATE TABLE doc (id INTEGER PRIMARY KEY, system TEXT, code TEXT, kind TEXT, via TEXT, billable INT, chapter TEXT,
                  text TEXT, also TEXT, level INT);  -- level: 0 on an index main term, else NULL  -- also: words that match but do not count as extra (modifiers)
CREATE VIRTUAL TABLE doc_fts USING fts5 (text, also, content='', tokenize='porter unicode61 remove_diacritics 2');
