-- The seed's product tables, for Debezium's PostgreSQL connector (pgoutput, replica identity
-- FULL so that updates and deletes carry the whole old row).
CREATE TABLE products (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    brand_id bigint,
    seller_id bigint,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE product_prices (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    currency text NOT NULL,
    amount numeric(12, 2) NOT NULL
);
CREATE TABLE product_categories (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    category text NOT NULL
);
CREATE TABLE product_tags (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    tag text NOT NULL
);
CREATE TABLE product_details (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    description text,
    attributes jsonb
);
CREATE TABLE reviews (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    rating int NOT NULL,
    body text
);
CREATE TABLE product_option_groups (
    id bigserial PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    name text NOT NULL,
    options jsonb
);
ALTER TABLE products REPLICA IDENTITY FULL;
ALTER TABLE product_prices REPLICA IDENTITY FULL;
ALTER TABLE product_categories REPLICA IDENTITY FULL;
ALTER TABLE product_tags REPLICA IDENTITY FULL;
ALTER TABLE product_details REPLICA IDENTITY FULL;
ALTER TABLE reviews REPLICA IDENTITY FULL;
ALTER TABLE product_option_groups REPLICA IDENTITY FULL;

INSERT INTO products (name, brand_id, seller_id, status) VALUES
    ('Trail shoe', 1, 10, 'active'),
    ('Rain jacket', 2, 11, 'active');
INSERT INTO product_prices (product_id, currency, amount) VALUES (1, 'EUR', 129.00), (2, 'EUR', 89.90);
INSERT INTO product_tags (product_id, tag) VALUES (1, 'outdoor'), (2, 'waterproof');
