from . import exact_setup_wizard
