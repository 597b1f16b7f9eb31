"""Tests for check.py and schema.json: every family's checker catches a one-byte change, the schema is strict."""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = sorted(p for p in glob.glob(os.path.join(HERE, "*.json")) if not p.endswith("schema.json"))

# Per algorithm: a path (inside a valid test) to one expected output value.
EXPECTED = {
    "SCRAM-SHA-1": ("intermediates", "serverSignature"),
    "SCRAM-SHA-256": ("intermediates", "clientProof"),
    "SCRAM-SHA-512": ("intermediates", "storedKey"),
    "HT": ("initiatorHmac",),
    "XEP-0474": ("value",),
    "StatelessDcr": ("clientSecret",),
    "InviteUri": ("expected", "jid"),
    "SASLprep": ("output",),
    "Nodeprep": ("output",),
    "XEP-0082": ("epochSeconds",),
}

try:
    import jsonschema
except ImportError:  # the schema tests below say so when they skip
    jsonschema = None


def mutate(value):
    """Changes exactly one byte/character of an expected value."""
    if isinstance(value, (int, float)):
        return value + 1
    last = value[-1]
    repl = {"0": "1", "A": "B", "a": "b", "=": "A"}.get(last, "0" if last != "0" else "1")
    if value.endswith("=") and not value.endswith("=="):
        return value[:-2] + ("A" if value[-2] != "A" else "B") + "="
    return value[:-1] + repl


def run_check(doc):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
        path = fh.name
    try:
        return subprocess.run([sys.executable, os.path.join(HERE, "check.py"), path],
                              capture_output=True, text=True, check=False)
    finally:
        os.unlink(path)


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


class CheckerTests(unittest.TestCase):
    def test_committed_files_pass(self):
        proc = subprocess.run([sys.executable, os.path.join(HERE, "check.py")], capture_output=True, text=True,
                              check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertRegex(proc.stdout, r"\n?\d+ passed, 0 failed\n$")

    def test_one_byte_mutation_fails_each_family(self):
        self.assertTrue(FILES)
        for path in FILES:
            doc = load(path)
            with self.subTest(file=os.path.basename(path)):
                keys = EXPECTED[doc["algorithm"]]
                mutated = copy.deepcopy(doc)
                test = next(t for g in mutated["testGroups"] for t in g["tests"] if t["result"] == "valid")
                holder = test
                for k in keys[:-1]:
                    holder = holder[k]
                holder[keys[-1]] = mutate(holder[keys[-1]])
                proc = run_check(mutated)
                self.assertNotEqual(proc.returncode, 0, proc.stdout)
                self.assertIn(f"tcId {test['tcId']} ", proc.stdout)

    def test_expected_error_mutation_fails(self):
        for path in FILES:
            doc = load(path)
            tests = [t for g in doc["testGroups"] for t in g["tests"] if "error" in t]
            if not tests:
                continue
            with self.subTest(file=os.path.basename(path)):
                tests[0]["error"] = "other-error" if tests[0]["error"] != "other-error" else "invalid-proof"
                self.assertNotEqual(run_check(doc).returncode, 0)

    def test_acceptable_outputs_are_exact(self):
        path = os.path.join(HERE, "saslprep.json")
        doc = load(path)
        test = next(t for g in doc["testGroups"] for t in g["tests"] if "acceptableOutputs" in t)
        self.assertEqual(test["result"], "acceptable")
        # Python computes "password"; dropping that alternative or changing it must fail.
        for alts in (["pass word", "passw0rd"], ["pass word", "pass  word"]):
            broken = copy.deepcopy(doc)
            next(t for g in broken["testGroups"] for t in g["tests"] if t["tcId"] == test["tcId"])[
                "acceptableOutputs"] = alts
            self.assertIn(f"tcId {test['tcId']} ", run_check(broken).stdout)
        broken = copy.deepcopy(doc)
        next(t for g in broken["testGroups"] for t in g["tests"] if t["tcId"] == test["tcId"])["result"] = "valid"
        self.assertIn("only allowed on, acceptable", run_check(broken).stdout)

    def test_structure_rules(self):
        doc = load(FILES[0])
        broken = copy.deepcopy(doc)
        broken["numberOfTests"] += 1
        self.assertIn("numberOfTests", run_check(broken).stdout)
        broken = copy.deepcopy(doc)
        broken["testGroups"][0]["tests"][0]["flags"].append("NoSuchFlag")
        self.assertIn("not declared", run_check(broken).stdout)
        broken = copy.deepcopy(doc)
        tests = broken["testGroups"][0]["tests"]
        tests[1]["tcId"] = tests[0]["tcId"]
        self.assertIn("unique", run_check(broken).stdout)


def _with_flag(doc, flag):
    return next(t for g in doc["testGroups"] for t in g["tests"] if flag in t["flags"])


class ConsistencyTests(unittest.TestCase):
    """Non-valid SCRAM vectors are wrong only where flagged (same edits as tests/consistency.rs)."""

    def setUp(self):
        self.doc = load(os.path.join(HERE, "scram-sha-256.json"))

    def test_stale_proof_is_a_second_defect(self):
        t = _with_flag(self.doc, "NonceNotExtended")
        t["clientFirst"] = t["clientFirst"].replace("otherClientNonce", "otherClientNonce2")
        self.assertIn("otherwise inconsistent: proof does not recompute", run_check(self.doc).stdout)

    def test_an_unflagged_defect_fails(self):
        _with_flag(self.doc, "ChannelBindingMismatch")["flags"] = ["WrongProof", "ChannelBinding"]
        self.assertIn("otherwise inconsistent: cbind", run_check(self.doc).stdout)

    def test_the_named_defect_must_be_present(self):
        _with_flag(self.doc, "FlagYWithServerCb")["flags"] = ["FlagYWithServerCb", "WrongProof"]
        self.assertIn("named defect (proof, serverFinal) is not present", run_check(self.doc).stdout)

    def test_acceptable_outputs_must_recompute(self):
        t = _with_flag(self.doc, "Gs2FlagMechanismMismatch")
        t["intermediates"]["serverSignature"] = "00" + t["intermediates"]["serverSignature"][2:]
        self.assertIn(f"tcId {t['tcId']} ", run_check(self.doc).stdout)


@unittest.skipIf(jsonschema is None, "jsonschema is not importable: schema validation NOT tested")
class SchemaTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        schema = load(os.path.join(HERE, "schema.json"))
        jsonschema.Draft202012Validator.check_schema(schema)
        cls.validator = jsonschema.Draft202012Validator(schema)

    def test_every_file_validates(self):
        for path in FILES:
            with self.subTest(file=os.path.basename(path)):
                errors = [e.message for e in self.validator.iter_errors(load(path))]
                self.assertEqual(errors, [])

    def test_misspelt_field_rejected(self):
        for path in FILES:
            doc = load(path)
            with self.subTest(file=os.path.basename(path)):
                test = doc["testGroups"][0]["tests"][0]
                field = next(k for k in test if k not in ("tcId", "comment", "result", "flags"))
                test[field + "s"] = test.pop(field)
                self.assertFalse(self.validator.is_valid(doc))

    def test_misspelt_group_and_top_fields_rejected(self):
        doc = load(FILES[0])
        doc["testGroups"][0]["hsah"] = doc["testGroups"][0].pop("hash", "x")
        self.assertFalse(self.validator.is_valid(doc))
        doc = load(FILES[0])
        doc["note"] = doc.pop("notes")
        self.assertFalse(self.validator.is_valid(doc))


if __name__ == "__main__":
    unittest.main()
