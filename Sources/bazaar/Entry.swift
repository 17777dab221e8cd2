@main
struct Entry {
    static func main() async {
        await BazaarCommand.main()
    }
}
