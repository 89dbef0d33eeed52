"""Setting course-tutor up: `init` (questions, checked live), `doctor` (a
table of checks with fixes), `login` / `logout` (OAuth), and `connect`, which
turns the settings into a Canvas client for every command.

    terminal.py   questions and answers, replaceable in tests
    connect.py    which credentials reach Canvas, and a client with them
    models.py     the model server: its address, its models
    probes.py     one quick request to Canvas: is it there, whose token
    init.py, doctor.py, login.py   the commands
"""
