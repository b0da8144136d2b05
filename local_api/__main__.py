"""`python -m local_api` (what `make dev` runs): the whole API on 127.0.0.1, see `--help`."""

import sys

from local_api.template import layer_dirs, load_template

# Lambda puts each layer's content on the import path (/opt/python); put the template's layers there likewise,
# before anything imports the shared layer.
sys.path[:0] = [str(path) for path in layer_dirs(load_template())]

from local_api.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
