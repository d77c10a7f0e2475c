CREATE SCHEMA IF NOT EXISTS catalog;

CREATE TABLE IF NOT EXISTS catalog.category (
    id BIGINT PRIMARY KEY,
    name VARCHAR(100) NOT NULL
);

CREATE TABLE IF NOT EXISTS catalog.product (
    id BIGINT PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    price NUMERIC(10, 2) NOT NULL,
    category_id BIGINT NOT NULL REFERENCES catalog.category (id)
);

CREATE TABLE IF NOT EXISTS catalog.stock (
    product_id BIGINT PRIMARY KEY,
    quantity INT NOT NULL
);

-- NOTIFY product_updated with the id of every updated or deleted product, whoever changes it.
-- The body is single-quoted rather than $$-quoted: Spring's script runner splits at every ';'
-- outside quotes. docs/invalidation-events.md has the same trigger for psql.
CREATE OR REPLACE FUNCTION catalog.notify_product_updated() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    PERFORM pg_notify(''product_updated'', (CASE TG_OP WHEN ''DELETE'' THEN OLD.id ELSE NEW.id END)::text);
    RETURN NULL;
END';

DROP TRIGGER IF EXISTS product_notify ON catalog.product;
CREATE TRIGGER product_notify AFTER UPDATE OR DELETE ON catalog.product
    FOR EACH ROW EXECUTE FUNCTION catalog.notify_product_updated();
