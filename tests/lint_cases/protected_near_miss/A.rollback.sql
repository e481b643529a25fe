DROP TABLE audit.information_unit_copy;
