MERGE INTO category (id, name) KEY (id) VALUES
    (1, 'Lighting'),
    (2, 'Furniture'),
    (3, 'Stationery');

MERGE INTO product (id, name, price, category_id) KEY (id) VALUES
    (1, 'Desk lamp', 29.90, 1),
    (2, 'Office chair', 149.00, 2),
    (3, 'Notebook', 3.50, 3),
    (4, 'Floor lamp', 79.00, 1);

MERGE INTO stock (product_id, quantity) KEY (product_id) VALUES
    (1, 12),
    (2, 3),
    (3, 250),
    (4, 0);
