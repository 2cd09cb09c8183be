-- A new database file for the snapshot, written in the storage format readers can open.
ATTACH $path AS snapshot_copy (STORAGE_VERSION $storage_version);
