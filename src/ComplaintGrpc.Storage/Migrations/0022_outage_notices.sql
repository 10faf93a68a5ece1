-- Planned-outage notices (停电信息) pushed by an outage-management system, and each outage complaint's match against
-- them at intake (检修未通知).

CREATE TABLE outage_notices (
    id                     uuid PRIMARY KEY,               -- UUIDv7, internal
    notice_id              text NOT NULL UNIQUE,           -- the OMS's id: a put of the same id updates the row
    unit_id                text NOT NULL REFERENCES units (unit_id),
    substations            text[] NOT NULL DEFAULT '{}',
    feeders                text[] NOT NULL DEFAULT '{}',
    transformer_areas      text[] NOT NULL DEFAULT '{}',
    kind                   text NOT NULL CHECK (kind IN ('Planned', 'FaultRepair', 'Temporary')),
    planned_start          timestamptz NOT NULL,
    planned_end            timestamptz NOT NULL,
    announced_at           timestamptz,
    announcement_channels  text[] NOT NULL DEFAULT '{}',
    description            text NOT NULL DEFAULT '',
    content_hash           bytea NOT NULL,                 -- an identical put changes nothing (same etag)
    version                integer NOT NULL DEFAULT 1,     -- the etag
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    updated_by             text NOT NULL,
    CHECK (planned_start < planned_end)
);
-- Intake's lookup: notices naming the case's feeder, transformer area or substation (GIN on each list), then their
-- window; listing: by planned start.
CREATE INDEX outage_notices_feeders ON outage_notices USING gin (feeders);
CREATE INDEX outage_notices_areas ON outage_notices USING gin (transformer_areas);
CREATE INDEX outage_notices_substations ON outage_notices USING gin (substations);
CREATE INDEX outage_notices_planned ON outage_notices (planned_start DESC, id DESC);

-- The case's match, decided once at intake: NULL for cases that are not outage complaints (and for older cases).
ALTER TABLE complaints ADD COLUMN outage_match text CHECK (outage_match IN ('None', 'Announced', 'Unannounced'));
ALTER TABLE complaints ADD COLUMN outage_notice_id text;
CREATE INDEX complaints_outage_match ON complaints (outage_match, id) WHERE outage_match IS NOT NULL;
