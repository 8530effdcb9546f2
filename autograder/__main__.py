"""Command line: ``python -m autograder VERB ...``."""

from autograder.cli import main

raise SystemExit(main())
