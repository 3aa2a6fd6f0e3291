from rehabcoach.cli.main import main

raise SystemExit(main())
