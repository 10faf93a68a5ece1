-- Hotspots (热点): optional WGS-84 coordinates of a case, the frequent-outage / low-voltage flags the worker raises,
-- and notifications about no single case (a flag notifies the unit's supervisors).

ALTER TABLE complaints ADD COLUMN latitude double precision, ADD COLUMN longitude double precision;
-- Both or neither, in range; 'NaN' and infinities compare outside the ranges in PostgreSQL and are refused too.
ALTER TABLE complaints ADD CONSTRAINT complaints_coordinates_valid CHECK (
    (latitude IS NULL AND longitude IS NULL)
    OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180));
-- Hotspots of a unit subtree read each unit's cases of the period and the previous one. Measured at 1M cases
-- (GetHotspots of a city, 111 units, 60 days): 2.3 s through complaints_unit (98k heap blocks), 0.32 s with this.
CREATE INDEX complaints_unit_received ON complaints (unit_id, received_at);
-- Map output reads only the cases with coordinates of a period.
CREATE INDEX complaints_received_on_map ON complaints (received_at) INCLUDE (latitude, longitude) WHERE latitude IS NOT NULL;

ALTER TABLE notifications ALTER COLUMN complaint_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN hotspot_id uuid;

-- One row per (grain, unit, area, window): the job inserts with ON CONFLICT DO NOTHING on that key, so a flag is
-- raised (and its supervisors notified) once however often the job runs or how many workers race.
CREATE TABLE hotspot_flags (
    id            uuid PRIMARY KEY,
    grain         text NOT NULL,     -- 'Feeder' or 'TransformerArea' (HotspotGrain's C# name)
    unit_id       text NOT NULL REFERENCES units (unit_id),
    area          text NOT NULL,     -- the feeder or transformer area name
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    case_count    integer NOT NULL,
    threshold     integer NOT NULL,
    raised_at     timestamptz NOT NULL,
    UNIQUE (grain, unit_id, area, window_start)
);
CREATE INDEX hotspot_flags_unit ON hotspot_flags (unit_id, id);
