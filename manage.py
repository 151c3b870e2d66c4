#!/usr/bin/env python
from enlace.__main__ import main

if __name__ == "__main__":
    main()
