"""The business's own vocabulary: the partner request, decisions and their outcomes, the
languages and the audiences that sign in, and the rules a store refuses to break. Imports
nothing of the project."""
