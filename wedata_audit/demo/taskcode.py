"""The code of generated tasks: realistic shell, Python, PySpark, SQL, Spark and sync-job text, with the
secrets a violation asks for planted in it."""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import Any

from wedata_audit.demo.rand import ALNUM as _ALNUM
from wedata_audit.demo.rand import pick as _pick
from wedata_audit.demo.rand import randint as _int
from wedata_audit.demo.rand import ts as _ts

# ---------------------------------------------------------------- code

_HEADER = {
    "shell": "#!/bin/bash\n#{stars}#\n##author: {author}\n##create time: {created}\n#{stars}#\n"
             "set -euo pipefail\n",
    "python": "# -*- coding: utf-8 -*-\n# author: {author}\n# create time: {created}\n",
    "pyspark": "# -*- coding: utf-8 -*-\n# author: {author}\n# create time: {created}\n",
    "sql": "-- {stars}\n-- author: {author}\n-- create time: {created}\n-- {stars}\n",
    "spark": "#!/bin/bash\n# author: {author}\n# create time: {created}\n",
}

_BLOCKS: dict[str, list[str]] = {
    "shell": [
        'BIZDATE="${{1:-$(date -d yesterday +%Y%m%d)}}"\nWORK_DIR="/data/wedata/{table}/${{BIZDATE}}"\n'
        'mkdir -p "${{WORK_DIR}}"\necho "[$(date)] start {table} for ${{BIZDATE}}"\n',
        'for part in $(seq 0 {n}); do\n'
        '  hdfs dfs -test -e "/warehouse/{table}/dt=${{BIZDATE}}/part-${{part}}" \\\n'
        '    || {{ echo "missing part ${{part}}"; exit 1; }}\ndone\n',
        'ROWS=$(hive -S -e "select count(1) from {db}.{table} where dt=\'${{BIZDATE}}\'")\n'
        'if [ "${{ROWS}}" -lt {n} ]; then\n  echo "too few rows: ${{ROWS}}" >&2\n  exit 2\nfi\n',
        'coscli cp "${{WORK_DIR}}/{table}.csv" "cos://{bucket}/export/{table}/${{BIZDATE}}/" --thread-num 4\n'
        'find "${{WORK_DIR}}" -type f -mtime +7 -delete\n',
        'curl -sf -X POST "https://hooks.internal.example/notify" \\\n  -H "Content-Type: application/json" '
        '\\\n  -d "{{\\"task\\": \\"{table}\\", \\"date\\": \\"${{BIZDATE}}\\"}}" || true\n',
        'python3 /opt/jobs/{table}/validate.py --date "${{BIZDATE}}" --max-null-ratio 0.0{n}\n'
        'echo "[$(date)] done {table}"\n',
    ],
    "python": [
        "import json\nimport logging\nimport os\nimport sys\nfrom datetime import datetime, timedelta\n\n"
        "logging.basicConfig(level=logging.INFO)\nlog = logging.getLogger('{table}')\n",
        "\n\ndef biz_date(argv):\n    if len(argv) > 1:\n        return argv[1]\n"
        "    return (datetime.now() - timedelta(days=1)).strftime('%Y%m%d')\n",
        "\n\ndef load_rows(path):\n    rows = []\n    with open(path, encoding='utf-8') as fh:\n"
        "        for line in fh:\n            item = json.loads(line)\n"
        "            if item.get('{col}') is None:\n                continue\n"
        "            rows.append(item)\n    log.info('read %d rows', len(rows))\n    return rows\n",
        "\n\ndef summarize(rows):\n    total = sum(float(r.get('amount', 0)) for r in rows)\n"
        "    by_key = {{}}\n    for r in rows:\n        by_key.setdefault(r['{col}'], 0)\n"
        "        by_key[r['{col}']] += 1\n    return {{'total': round(total, 2), 'keys': len(by_key)}}\n",
        "\n\ndef main():\n    day = biz_date(sys.argv)\n    token = os.environ.get('DATA_API_TOKEN', '')\n"
        "    rows = load_rows(f'/data/{table}/{{day}}.jsonl')\n    report = summarize(rows)\n"
        "    log.info('%s %s', day, report)\n    if report['keys'] < {n}:\n        sys.exit(1)\n"
        "    return bool(token)\n\n\nif __name__ == '__main__':\n    main()\n",
    ],
    "pyspark": [
        "from pyspark.sql import SparkSession\nfrom pyspark.sql import functions as F\n\n"
        "spark = SparkSession.builder.appName('{table}').enableHiveSupport().getOrCreate()\n",
        "bizdate = spark.conf.get('spark.wedata.bizdate', '20250101')\n"
        "src = spark.table('{db}.{src}').where(F.col('dt') == bizdate)\n",
        "clean = (src.dropDuplicates(['{col}'])\n         .where(F.col('{col}').isNotNull())\n"
        "         .withColumn('amount', F.col('amount').cast('decimal(18,2)')))\n",
        "agg = clean.groupBy('{col}').agg(F.count('*').alias('cnt'), F.sum('amount').alias('amount'))\n"
        "agg.write.mode('overwrite').insertInto('{db}.{table}')\n",
        "if agg.count() < {n}:\n    raise SystemExit('too few groups for ' + bizdate)\nspark.stop()\n",
    ],
    "sql": [
        "SET spark.sql.shuffle.partitions = {n}0;\n",
        "INSERT OVERWRITE TABLE {db}.{table} PARTITION (dt = '${{bizdate}}')\nSELECT\n    {col},\n"
        "    COUNT(1) AS cnt,\n    SUM(amount) AS amount,\n    MAX(updated_at) AS last_update\n"
        "FROM {db}.{src}\nWHERE dt = '${{bizdate}}'\n  AND {col} IS NOT NULL\nGROUP BY {col};\n",
        "-- keep the last {n} days only\nALTER TABLE {db}.{table} DROP IF EXISTS PARTITION "
        "(dt < '${{bizdate-{n}}}');\n",
        "WITH ranked AS (\n"
        "    SELECT *, ROW_NUMBER() OVER (PARTITION BY {col} ORDER BY updated_at DESC) AS rn\n"
        "    FROM {db}.{src}\n    WHERE dt = '${{bizdate}}'\n)\n"
        "INSERT OVERWRITE TABLE {db}.{table}_latest\n"
        "SELECT {col}, amount, updated_at FROM ranked WHERE rn = 1;\n",
        "SELECT '{table}' AS tbl, COUNT(1) AS rows_today\nFROM {db}.{table}\nWHERE dt = '${{bizdate}}';\n",
    ],
    "spark": [
        'spark-submit --class com.example.{cls}.Main \\\n  --conf spark.executor.instances={n} \\\n'
        '  --conf spark.executor.memory=4g \\\n  cosn://{bucket}/jars/{table}-1.{n}.jar "${{bizdate}}"\n',
        "# the job reads {db}.{src} and writes {db}.{table}\n# partitions: dt=${{bizdate}}\n",
    ],
}

_SECRETS = {
    "shell": ('export TENCENTCLOUD_SECRET_ID="{akid}"\n', 'password="{pw}"\n'),
    "spark": ('export TENCENTCLOUD_SECRET_ID="{akid}"\n', 'password="{pw}"\n'),
    "python": ("SECRET_ID = '{akid}'\n", 'password = "{pw}"\n'),
    "pyspark": ("SECRET_ID = '{akid}'\n", 'password = "{pw}"\n'),
    "sql": ("-- temporary key {akid}\n", '-- password = "{pw}"\n'),
}


def task_code(rng: random.Random, lang: str, table: str, author: str, created: datetime,
          violations: set[str]) -> str:
    fill = {"table": table, "db": table.split("_")[0] + "_db", "src": "ods_" + table.split("_", 1)[1],
            "col": _pick(rng, ["user_id", "order_id", "sku"]), "n": _int(rng, 2, 9),
            "bucket": f"wedata-{table}", "cls": table.replace("_", "")}
    if lang == "json":
        return _sync_job(rng, fill, violations)
    blocks = _BLOCKS[lang]
    body = [b.format(**fill) for b in blocks]
    # repeat a few blocks (realistic jobs handle several tables) until the code is ~1.5 KB
    while sum(map(len, body)) < 1300:
        fill["table"] = f"{table}_{_int(rng, 1, 99)}"
        body.append(_pick(rng, blocks).format(**fill))
    akid_line, password_line = _SECRETS[lang]
    if "secret_in_code" in violations:
        akid = "AKID" + "".join(rng.choices(_ALNUM, k=32))
        body.insert(_int(rng, 1, len(body)), akid_line.format(akid=akid))
    if "password_in_code" in violations:
        pw = "".join(rng.choices(_ALNUM, k=_int(rng, 8, 16)))
        body.insert(_int(rng, 1, len(body)), password_line.format(pw=pw))
    header = _HEADER[lang].format(stars="*" * 60, author=author, created=_ts(created))
    return header + "".join(body)


def _sync_job(rng: random.Random, fill: dict[str, Any], violations: set[str]) -> str:
    """An offline-synchronization job: a JSON document (the code of task type 26)."""
    columns = [fill["col"], "amount", "currency", "status", "channel", "created_at", "updated_at"]
    columns += [f"attr_{i:02d}" for i in range(_int(rng, 10, 24))]
    reader: dict[str, Any] = {"column": columns, "splitPk": fill["col"], "fetchSize": 1000 * fill["n"],
                              "connection": [{"table": [fill["src"]], "datasource": f"mysql_{fill['db']}"}],
                              "where": "updated_at >= '${bizdate}' AND updated_at < '${bizdate+1}'"}
    if "password_in_code" in violations:
        reader["password"] = "".join(rng.choices(_ALNUM, k=_int(rng, 8, 16)))
    writer: dict[str, Any] = {"database": fill["db"], "table": fill["table"], "writeMode": "overwrite",
                              "partition": "dt=${bizdate}", "column": columns}
    if "secret_in_code" in violations:
        writer["secretId"] = "AKID" + "".join(rng.choices(_ALNUM, k=32))
    job = {"job": {"setting": {"speed": {"channel": fill["n"], "byte": 1048576 * fill["n"]},
                               "errorLimit": {"record": 0, "percentage": 0.0}},
                   "content": [{"reader": {"name": "mysqlreader", "parameter": reader},
                                "writer": {"name": "dlcwriter", "parameter": writer}}]}}
    return json.dumps(job) + "\n"
