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
