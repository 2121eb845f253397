from solvent.cli import main

raise SystemExit(main())
