CREATE TABLE app.audit (id bigint PRIMARY KEY, what text);
