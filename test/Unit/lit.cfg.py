# Lit configuration of the gtest unit tests (the numeric core).

import os

import lit.formats

config.name = "MOE-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.moe_obj_root, "test", "Unit")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
# Tests read example models from the repository's data/.
config.environment["MOE_DATA_DIR"] = os.path.join(config.moe_src_root, "data")
