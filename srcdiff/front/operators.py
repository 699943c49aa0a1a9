"""Python's operators by gast class name: the tables parsing (syntax) and printing share."""

BINOPS = {
    "Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%",
    "Pow": "**", "MatMult": "@", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
    "LShift": "<<", "RShift": ">>",
}
UNARY = {"USub": "-", "UAdd": "+", "Not": "not", "Invert": "~"}
CMPOPS = {
    "Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=",
    "Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in",
}
BOOLOPS = {"And": "and", "Or": "or"}
