"""Market data: the provider interface, providers (snapshot, akshare), cache and panel."""
