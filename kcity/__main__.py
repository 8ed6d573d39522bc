from kcity.cli import main

main()
