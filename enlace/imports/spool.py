"""Validated rows kept on disk between validation and apply.

A file is checked whole before anything is written, so every clean row must be kept until the
apply step. Kept as Python dicts they would take kilobytes a row, hundreds of megabytes for a
large file; here they go to a private temporary SQLite database (the standard library's sqlite3,
deleted when closed) that holds each row's values and the keys the file-level rules look up (duplicates,
existing codes, e-mails and tax IDs), so memory stays flat however long the file is.
"""

import marshal
import sqlite3

FLUSH_EVERY = 1000


class RowSpool:
    """Rows as (number, {field: value}), in file order, with up to two indexed key columns.

    `keys` names the clean fields the validator looks up (e.g. ("code", "tax_id")): they become
    columns k0, k1, compared as written (the validators normalize them first). Each row also has
    a `ref` (the id of the record it will update, or None), set after the lookups.
    """

    def __init__(self, fields, keys=()):
        self.fields = tuple(fields)
        self.keys = tuple(keys)
        assert len(self.keys) <= 2 and set(self.keys) <= set(self.fields)
        self._db = sqlite3.connect("", isolation_level=None)  # "": a temporary on-disk database
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = FILE;
            CREATE TABLE rows (number INTEGER PRIMARY KEY, k0 TEXT, k1 TEXT, ref INTEGER, data BLOB);
            CREATE TABLE found (name TEXT, value TEXT, ref INTEGER, extra TEXT, PRIMARY KEY (name, value));
            BEGIN;
            """
        )
        self._pending = []
        self.count = 0
        self._indexed = False

    def add(self, number: int, clean: dict) -> None:
        keys = [clean.get(k) or None for k in self.keys] + [None] * (2 - len(self.keys))
        data = marshal.dumps(tuple(clean.get(f) for f in self.fields))
        self._pending.append((number, keys[0], keys[1], data))
        self.count += 1
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO rows (number, k0, k1, data) VALUES (?, ?, ?, ?)", self._pending)
            self._pending = []

    def seal(self) -> None:
        """No more rows: index the keys for the file-level rules."""
        self._flush()
        if not self._indexed:
            self._db.execute("CREATE INDEX rows_k0 ON rows (k0)")
            self._db.execute("CREATE INDEX rows_k1 ON rows (k1)")
            self._indexed = True

    def _column(self, key) -> str:
        return f"k{self.keys.index(key)}"

    def duplicates(self, key):
        """(value, [row numbers]) for each value of `key` found in more than one row."""
        self.seal()
        column = self._column(key)
        cursor = self._db.execute(
            f"SELECT {column}, group_concat(number) FROM rows WHERE {column} IS NOT NULL "  # noqa: S608
            f"GROUP BY {column} HAVING count(*) > 1 ORDER BY min(number)"
        )
        for value, numbers in cursor:
            yield value, sorted(int(n) for n in numbers.split(","))

    def distinct(self, key, size):
        """The distinct values of `key`, in lists of at most `size`."""
        self.seal()
        column = self._column(key)
        cursor = self._db.execute(
            f"SELECT DISTINCT {column} FROM rows WHERE {column} IS NOT NULL"  # noqa: S608
        )
        while chunk := [value for (value,) in cursor.fetchmany(size)]:
            yield chunk

    def remember(self, name: str, found) -> None:
        """Store what the database said about key values: (value, ref, extra) triples."""
        self._db.executemany(
            "INSERT OR REPLACE INTO found (name, value, ref, extra) VALUES (?, ?, ?, ?)",
            ((name, value, ref, extra) for value, ref, extra in found),
        )

    def chunks(self, size=FLUSH_EVERY, lookups=()):
        """Lists of (number, clean, ref, looked_up) in row order, `size` rows at a time.

        `lookups` are (name, key) pairs: looked_up[i] is the (ref, extra) remembered under
        name for the row's value of key, or None.
        """
        self.seal()
        joins, selected, names = [], [], []
        for i, (name, key) in enumerate(lookups):
            joins.append(f"LEFT JOIN found f{i} ON f{i}.name = ? AND f{i}.value = rows.{self._column(key)}")
            names.append(name)
            selected.append(f", f{i}.ref, f{i}.extra, f{i}.value IS NOT NULL")
        sql = (
            f"SELECT rows.number, rows.data, rows.ref{''.join(selected)} FROM rows {' '.join(joins)} "  # noqa: S608
            "WHERE rows.number > ? ORDER BY rows.number LIMIT ?"
        )
        last = 0
        while True:
            records = self._db.execute(sql, (*names, last, size)).fetchall()
            if not records:
                return
            chunk = []
            for number, data, ref, *found in records:
                looked_up = [
                    (found[3 * i], found[3 * i + 1]) if found[3 * i + 2] else None
                    for i in range(len(lookups))
                ]
                chunk.append(
                    # noqa below: bytes this object wrote itself, never input
                    (number, dict(zip(self.fields, marshal.loads(data), strict=True)), ref, looked_up)  # noqa: S302
                )
            last = records[-1][0]
            yield chunk

    def rows_by_found(self, name: str, key: str, *, found: bool):
        """(number, value) of the rows whose value of `key` is (or, with found=False, is not)
        remembered under `name`, in row order; rows without a value are left out."""
        self.seal()
        column = self._column(key)
        cursor = self._db.execute(
            f"SELECT number, {column} FROM rows WHERE {column} IS NOT NULL AND "  # noqa: S608
            f"{'' if found else 'NOT '}EXISTS (SELECT 1 FROM found WHERE name = ? AND value = rows.{column}) "
            "ORDER BY number",
            (name,),
        )
        yield from cursor

    def set_refs(self, refs) -> None:
        """Record, for (ref, number) pairs, which record each row will update."""
        self._db.executemany("UPDATE rows SET ref = ? WHERE number = ?", refs)

    def set_refs_from(self, name: str, key: str) -> None:
        """Each row's ref becomes the ref remembered under `name` for its value of `key`."""
        self.seal()
        column = self._column(key)
        self._db.execute(
            f"UPDATE rows SET ref = (SELECT ref FROM found WHERE name = ? AND value = rows.{column})",  # noqa: S608
            (name,),
        )

    def close(self) -> None:
        self._db.close()
