from course_tutor.cli import main

raise SystemExit(main())
