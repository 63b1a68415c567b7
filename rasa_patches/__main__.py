"""Rasa's command line with the project's patches installed first.

    .venv/bin/python -m rasa_patches run --model models/….tar.gz --credentials credentials.yml …
"""
import sys

import rasa_patches


def main() -> None:
    try:
        rasa_patches.install()
    except rasa_patches.UnverifiedRasaVersion as error:
        sys.exit(f"error: {error}")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    sys.exit(rasa_main())


if __name__ == "__main__":
    main()
