import sys

from badminima.cli.main import main

sys.exit(main())
