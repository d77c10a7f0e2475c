MERGE INTO product (id, name, price) KEY (id) VALUES
    (1, 'Desk lamp', 29.90),
    (2, 'Office chair', 149.00),
    (3, 'Notebook', 3.50);
