-- ListComplaints by unit and status (a station's work queue: its RECEIVED or ASSIGNED cases), newest first: one
-- backward range scan of this index gives a page, however many cases the unit has had over the years.
CREATE INDEX complaints_unit_status ON complaints (unit_id, status, id);
