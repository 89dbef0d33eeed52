"""`course-tutor eval`: prompt regression scenarios.

A scenario (`prompts/evals/*.yaml`) is a short conversation with the tutor:
what the student says, turn by turn, and what each answer must show (tools
called, text, a table, one multiple-choice question, links, no tool errors).
The runner plays it against the demo Canvas with the scripted model, a real
model, or a recording of one, and reports which expectations held.

    scenario.py   the YAML, as pydantic models
    expect.py     checking one turn against its expectations
    recording.py  cassettes: recording a model's replies, replaying them
    scrub.py      what never goes into a cassette
    runner.py     playing a scenario in a session
    report.py     the table, JUnit XML, the side-by-side of two prompts
    command.py    the command line
"""
