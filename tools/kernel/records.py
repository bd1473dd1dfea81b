"""Each customer's rows in one row (``customer_records``), up to the decision date.

The chat path reads a customer's record from one such row; child rows dated after
the store's as-of date are left out (:data:`tools.kernel.as_of.DATED`), so what an
answer shows is what the decision used.
"""

from __future__ import annotations

from tools.kernel.as_of import DATED


def _row_struct(table: str) -> str:
    """One row of ``table`` as a struct whose first fields are its list order.

    ``list_sort`` of such structs is the customer's rows in the record's order
    (ties broken by the other fields), several times cheaper than an ordered
    aggregate; readers take fields by name, so the field order is free. The
    customer id is left out (it is the record's).
    """
    from tools.store.schema import ORDER, TABLES

    first = [ORDER.get(table, "customer_id")]
    if table == "bill_charges":
        first += ["kind", "amount"]
    # the id is the row's own: repeating it in every child row made building 1/4
    # slower and fetching one customer's row about 10 times slower
    names = [n for n in first if n != "customer_id"] + [
        c.name for c in TABLES[table] if c.name not in first and c.name != "customer_id"
    ]
    return "{" + ", ".join(f"'{n}': {n}" for n in names) + "}"


def _sorted_list(table: str) -> str:
    """The aggregate of a customer's rows of ``table`` as a list in record order.

    Where the list order is a key of the table (one bill per date, one contact
    per seq …) the rows are put in the order of that key alone (``list_grade_up``:
    a cheaper sort than comparing whole structs, the same order since the key
    never ties); one row per customer needs no order; other tables sort whole
    structs (ties broken by the other fields).
    """
    from tools.store.schema import KEYS, ORDER

    struct = _row_struct(table)
    key = KEYS.get(table, ())
    if key == ("customer_id",):
        return f"list({struct})"
    if table in ORDER and key == ("customer_id", ORDER[table]):
        return f"list_select(list({struct}), list_grade_up(list({ORDER[table]})))"
    return f"list_sort(list({struct}))"


def records_sql() -> str:
    """Customer rows with every child table's rows as lists (``__SLICE__``: which).

    The chat path reads one such row per customer.
    """
    from tools.store.schema import TABLES

    children = [t for t in TABLES if t != "customers"]
    ctes = ",\n".join(
        f"{t}_l AS (SELECT customer_id, {_sorted_list(t)} AS {t} "
        f"FROM {t} WHERE __SLICE__"
        + (f" AND {DATED[t]} <= $as_of" if t in DATED else "")
        + " GROUP BY customer_id)"
        for t in children
    )
    joins = "\n".join(f"LEFT JOIN {t}_l USING (customer_id)" for t in children)
    cols = ", ".join(f"{t}_l.{t}" for t in children)
    return (
        f"WITH {ctes}\nSELECT c.customer_id, c AS customers, {cols}\n"
        f"FROM customers c\n{joins}\nWHERE __SLICE__\n"
        "ORDER BY c.customer_id"
    )
