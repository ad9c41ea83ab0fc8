from qsynchro.cli import main

raise SystemExit(main())
