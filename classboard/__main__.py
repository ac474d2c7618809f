from classboard.cli import main

main()
