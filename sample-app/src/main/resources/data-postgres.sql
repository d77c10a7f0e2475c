INSERT INTO catalog.category (id, name) VALUES
    (1, 'Lighting'),
    (2, 'Furniture'),
    (3, 'Stationery')
ON CONFLICT (id) DO NOTHING;

INSERT INTO catalog.product (id, name, price, category_id) VALUES
    (1, 'Desk lamp', 29.90, 1),
    (2, 'Office chair', 149.00, 2),
    (3, 'Notebook', 3.50, 3),
    (4, 'Floor lamp', 79.00, 1)
ON CONFLICT (id) DO NOTHING;

INSERT INTO catalog.stock (product_id, quantity) VALUES
    (1, 12),
    (2, 3),
    (3, 250),
    (4, 0)
ON CONFLICT (product_id) DO NOTHING;

-- A catalogue big enough to load-test (benchmarks/load-test.sh): products 5 to 100,000, a few
-- seconds the first time, a no-op on later starts.
INSERT INTO catalog.product (id, name, price, category_id)
SELECT g, 'Product ' || g, 1.99 + (g * 37) % 500, 1 + g % 3 FROM generate_series(5, 100000) AS g
ON CONFLICT (id) DO NOTHING;

INSERT INTO catalog.stock (product_id, quantity)
SELECT g, g % 100 FROM generate_series(5, 100000) AS g
ON CONFLICT (product_id) DO NOTHING;
