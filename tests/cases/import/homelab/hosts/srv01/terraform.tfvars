truenas_memory = 1024 * 32
