"""Tests of the plain-Python parts, run without building: `python -m unittest test_app`.

`app` imports the generated `wit_world` bindings; write them first with
`componentize-py -d wit -w transform bindings .`.
"""

import unittest

from componentize_py_types import Err

import app


class SettingsTest(unittest.TestCase):
    def test_defaults_and_blank_field(self) -> None:
        self.assertEqual(app.Settings({}).field, "email")
        self.assertEqual(app.Settings({"replacement": " x "}).replacement, "x")
        with self.assertRaises(Err):
            app.Settings({"field": " "})


if __name__ == "__main__":
    unittest.main()
