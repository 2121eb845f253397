from solvent.cli import main

main()
