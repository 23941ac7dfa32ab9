-- City health-check data (城市体检): indicator values (一张表), problem patches (问题图斑)
-- with their status, renewal projects in their land lifecycle, the problem ↔ project links,
-- and the append-only history of every change (who, when, what). Geometry is GeoJSON in
-- WGS84 (jsonb) with its bounding box beside it for bbox filters.

CREATE TABLE hc_indicators (
    code       text NOT NULL,
    year       integer NOT NULL,
    area       text NOT NULL,
    name       text NOT NULL,
    unit       text NOT NULL DEFAULT '',
    target     double precision,
    comparison text NOT NULL CHECK (comparison IN ('>=', '<=')),
    area_kind  text NOT NULL CHECK (area_kind IN ('district', 'community')),
    value      double precision,
    source     text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (code, year, area)
);

CREATE TABLE hc_problems (
    id           text PRIMARY KEY,
    title        text NOT NULL,
    indicator    text NOT NULL DEFAULT '',
    severity     integer NOT NULL CHECK (severity BETWEEN 1 AND 3),
    status       text NOT NULL CHECK (status IN ('open', 'in_progress', 'rechecking', 'closed')),
    department   text NOT NULL DEFAULT '',
    district     text NOT NULL DEFAULT '',
    due_date     date,
    description  text NOT NULL DEFAULT '',
    geometry     jsonb NOT NULL CHECK (jsonb_typeof(geometry) = 'object'),
    minx         double precision NOT NULL,
    miny         double precision NOT NULL,
    maxx         double precision NOT NULL,
    maxy         double precision NOT NULL,
    photos       jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(photos) = 'array'),
    overdue_flag text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX hc_problems_by_status ON hc_problems (status, district);
CREATE INDEX hc_problems_by_bbox ON hc_problems (minx, maxx, miny, maxy);

CREATE TABLE hc_projects (
    id                text PRIMARY KEY,
    name              text NOT NULL,
    stage             text NOT NULL,
    stage_started     date NOT NULL,
    percent           integer NOT NULL CHECK (percent BETWEEN 0 AND 100),
    district          text NOT NULL DEFAULT '',
    department        text NOT NULL DEFAULT '',
    budget            double precision,
    start_date        date,
    agreed_start_date date,
    completed_on      date,
    geometry          jsonb NOT NULL CHECK (jsonb_typeof(geometry) = 'object'),
    minx              double precision NOT NULL,
    miny              double precision NOT NULL,
    maxx              double precision NOT NULL,
    maxy              double precision NOT NULL,
    photos            jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(photos) = 'array'),
    overdue_flag      text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX hc_projects_by_stage ON hc_projects (stage, district);
CREATE INDEX hc_projects_by_bbox ON hc_projects (minx, maxx, miny, maxy);

CREATE TABLE hc_links (
    problem_id text NOT NULL REFERENCES hc_problems (id),
    project_id text NOT NULL REFERENCES hc_projects (id),
    PRIMARY KEY (problem_id, project_id)
);
CREATE INDEX hc_links_by_project ON hc_links (project_id);

CREATE TABLE hc_history (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    item_kind text NOT NULL CHECK (item_kind IN ('problem', 'project', 'indicator')),
    item_id   text NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    note      text NOT NULL DEFAULT '',
    data      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object')
);
CREATE INDEX hc_history_by_item ON hc_history (item_kind, item_id, seq);
