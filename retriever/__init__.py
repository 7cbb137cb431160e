"""Retrieve: hybrid dense + lexical search over the index, as a LangChain retriever."""
