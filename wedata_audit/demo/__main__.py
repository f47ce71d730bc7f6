"""``python -m wedata_audit.demo``: the fake WeData API alone, on loopback."""

from wedata_audit.demo.server import main

raise SystemExit(main())
