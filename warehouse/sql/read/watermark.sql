SELECT until FROM watermark WHERE name = $name;
