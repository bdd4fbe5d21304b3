drop schema example_migrate cascade;
