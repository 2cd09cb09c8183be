-- What the shown data holds and how fresh it is.
SELECT * FROM marts.dash_data_status;
