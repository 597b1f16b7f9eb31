"""Structural rules a stdlib-only checker can enforce without a JSON Schema engine."""

TOP_FIELDS = {"algorithm", "schemaVersion", "source", "notes", "numberOfTests", "testGroups"}
TEST_FIELDS = {"tcId", "comment", "result", "flags"}
RESULTS = {"valid", "invalid", "acceptable"}


def check_structure(doc):
    """Returns a list of problems (empty when the file is structurally sound)."""
    problems = []
    if not isinstance(doc, dict):
        return ["file is not a JSON object"]
    keys = set(doc)
    if keys != TOP_FIELDS:
        problems.append(f"top-level fields {sorted(keys ^ TOP_FIELDS)} missing or unexpected")
        return problems
    if doc["schemaVersion"] != "2":
        problems.append("schemaVersion must be \"2\"")
    if not (isinstance(doc["source"], list) and doc["source"]):
        problems.append("source must be a non-empty list of citations")
    notes = doc["notes"] if isinstance(doc["notes"], dict) else {}
    last_id = 0
    count = 0
    for gi, group in enumerate(doc["testGroups"]):
        tests = group.get("tests") if isinstance(group, dict) else None
        if not isinstance(tests, list) or not tests:
            problems.append(f"group {gi} has no tests")
            continue
        for t in tests:
            count += 1
            if not isinstance(t, dict) or not TEST_FIELDS <= set(t):
                problems.append(f"group {gi}: a test lacks one of {sorted(TEST_FIELDS)}")
                continue
            if not isinstance(t["tcId"], int) or t["tcId"] <= last_id:
                problems.append(f"tcId {t['tcId']} is not unique and increasing")
            else:
                last_id = t["tcId"]
            if t["result"] not in RESULTS:
                problems.append(f"tcId {t['tcId']}: result {t['result']!r} unknown")
            for f in t["flags"]:
                if f not in notes:
                    problems.append(f"tcId {t['tcId']}: flag {f!r} not declared in notes")
            if t["result"] == "invalid" and not t["flags"]:
                problems.append(f"tcId {t['tcId']}: invalid test must name what is wrong in flags")
    if count != doc["numberOfTests"]:
        problems.append(f"numberOfTests is {doc['numberOfTests']} but the file has {count} tests")
    return problems
