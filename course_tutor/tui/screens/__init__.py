"""The app's screens: the chat, first-time set-up, and the modal helpers."""
