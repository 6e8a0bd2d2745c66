from xentree.cli import main

main()
