-- City health-check data (城市体检): indicator values (一张表), problem patches (问题图斑)
-- with their status, renewal projects in their land lifecycle, the problem ↔ project links,
-- and the append-only history of every change (who, when, what). Geometry is GeoJSON in
-- WGS84 with its bounding box beside it for bbox filters; dates are ISO text.

CREATE TABLE hc_indicators (
    code       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    area       TEXT NOT NULL,
    name       TEXT NOT NULL,
    unit       TEXT NOT NULL DEFAULT '',
    target     REAL,
    comparison TEXT NOT NULL CHECK (comparison IN ('>=', '<=')),
    area_kind  TEXT NOT NULL CHECK (area_kind IN ('district', 'community')),
    value      REAL,
    source     TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (code, year, area)
);

CREATE TABLE hc_problems (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    indicator    TEXT NOT NULL DEFAULT '',
    severity     INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
    status       TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'rechecking', 'closed')),
    department   TEXT NOT NULL DEFAULT '',
    district     TEXT NOT NULL DEFAULT '',
    due_date     TEXT,
    description  TEXT NOT NULL DEFAULT '',
    geometry     TEXT NOT NULL CHECK (json_type(geometry) = 'object'),
    minx         REAL NOT NULL,
    miny         REAL NOT NULL,
    maxx         REAL NOT NULL,
    maxy         REAL NOT NULL,
    photos       TEXT NOT NULL DEFAULT '[]' CHECK (json_type(photos) = 'array'),
    overdue_flag TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX hc_problems_by_status ON hc_problems (status, district);
CREATE INDEX hc_problems_by_bbox ON hc_problems (minx, maxx, miny, maxy);

CREATE TABLE hc_projects (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    stage             TEXT NOT NULL,
    stage_started     TEXT NOT NULL,
    percent           INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    district          TEXT NOT NULL DEFAULT '',
    department        TEXT NOT NULL DEFAULT '',
    budget            REAL,
    start_date        TEXT,
    agreed_start_date TEXT,
    completed_on      TEXT,
    geometry          TEXT NOT NULL CHECK (json_type(geometry) = 'object'),
    minx              REAL NOT NULL,
    miny              REAL NOT NULL,
    maxx              REAL NOT NULL,
    maxy              REAL NOT NULL,
    photos            TEXT NOT NULL DEFAULT '[]' CHECK (json_type(photos) = 'array'),
    overdue_flag      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX hc_projects_by_stage ON hc_projects (stage, district);
CREATE INDEX hc_projects_by_bbox ON hc_projects (minx, maxx, miny, maxy);

CREATE TABLE hc_links (
    problem_id TEXT NOT NULL REFERENCES hc_problems (id),
    project_id TEXT NOT NULL REFERENCES hc_projects (id),
    PRIMARY KEY (problem_id, project_id)
);
CREATE INDEX hc_links_by_project ON hc_links (project_id);

CREATE TABLE hc_history (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    item_kind TEXT NOT NULL CHECK (item_kind IN ('problem', 'project', 'indicator')),
    item_id   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    data      TEXT NOT NULL DEFAULT '{}' CHECK (json_type(data) = 'object')
);
CREATE INDEX hc_history_by_item ON hc_history (item_kind, item_id, seq);
