CREATE TYPE app.user_role AS ENUM ('member', 'admin');
ALTER TABLE app.users ADD COLUMN role app.user_role NOT NULL DEFAULT 'member';
