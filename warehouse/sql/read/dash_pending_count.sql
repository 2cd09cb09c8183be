-- How many of the dashboard's corrections this file does not hold yet.
SELECT count(*) AS pending FROM marts.dash_pending_corrections;
