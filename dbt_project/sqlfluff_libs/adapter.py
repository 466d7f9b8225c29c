"""sqlfluff's stand-in for dbt's `adapter` (the jinja templater runs no dbt): `dispatch` returns
a macro that renders as a plain function call, `name(arguments)`, so that the SQL around the
macros of macros/portable.sql parses and is linted as it is written."""


def dispatch(macro_name, macro_namespace=None):
    return lambda *arguments: f"{macro_name}({', '.join(str(argument) for argument in arguments)})"
