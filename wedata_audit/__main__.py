from wedata_audit.cli import main

raise SystemExit(main())
