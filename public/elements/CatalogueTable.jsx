// The treatment catalogue in force, as a table (assistant/ui/tables.py sends it).
// props: {version, columns: [{key, label, numeric}], rows: [{...}]}.
// A click on a column heading sorts by it (again: the other way); a disabled
// treatment's name carries an "off" badge.
import { useState } from "react";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";

function shown(column, value) {
  if (value === null || value === undefined) return "—";
  if (column.money) return "£" + Number(value).toFixed(2);
  if (column.numeric) return Number(value).toLocaleString("en-GB");
  return String(value);
}

export default function CatalogueTable() {
  const [sort, setSort] = useState({ key: null, up: true });
  const rows = [...(props.rows || [])];
  if (sort.key) {
    rows.sort((a, b) => {
      const x = a[sort.key], y = b[sort.key];
      const order = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return sort.up ? order : -order;
    });
  }
  const by = (key) =>
    setSort((s) => ({ key, up: s.key === key ? !s.up : true }));
  return (
    <div className="w-full overflow-x-auto" id="catalogue-table">
      <Table>
        <TableCaption>
          Treatment catalogue, version {props.version} (in force)
        </TableCaption>
        <TableHeader>
          <TableRow>
            {props.columns.map((c) => (
              <TableHead
                key={c.key}
                onClick={() => by(c.key)}
                className={"cursor-pointer " + (c.numeric ? "text-right" : "")}
              >
                {c.label}
                {sort.key === c.key ? (sort.up ? " ▲" : " ▼") : ""}
              </TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.treatment_key} data-key={r.treatment_key}>
              {props.columns.map((c) => (
                <TableCell
                  key={c.key}
                  className={c.numeric ? "text-right tabular-nums" : ""}
                >
                  {shown(c, r[c.key])}
                  {c.key === "display_name" && !r.enabled ? (
                    <Badge variant="outline" className="ml-2">
                      off
                    </Badge>
                  ) : null}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
