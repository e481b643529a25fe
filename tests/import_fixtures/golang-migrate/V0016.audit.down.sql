DROP TABLE app.audit;
